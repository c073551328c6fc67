"""Part 7: 20 concurrent clients uploading and polling through the gateway. No errors; p50/p99 latency per
RPC; the services' resident memory does not grow between the first and the second half of the run."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import grpc
import pytest

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, log_file_pb2, log_file_pb2_grpc
from loglens_devstack.stack import Stack
from tests.chaos.kit import RssSampler, Workers, figure, latency_summary, random_text, scale, upload

CLIENTS = 20
DURATION_S = scale(20, 120)
GROWTH_LIMIT_MIB = scale(48, 32)


@pytest.mark.timeout(scale(120, 400))
def test_twenty_clients_upload_and_poll_without_errors_or_memory_growth(
    chaos_stack: Stack, workers: Workers, chaos_gateway: grpc.Channel
) -> None:
    worker = workers.start(LOGLENS_WORKERS="2")
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[tuple[str, str]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def timed(rpc: str, fn):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        try:
            result = fn()
        except grpc.RpcError as exc:
            with lock:
                errors.append((rpc, f"{exc.code().name}: {exc.details()}"))  # type: ignore[attr-defined]
            return None
        with lock:
            latencies[rpc].append(time.monotonic() - started)
        return result

    started_runs: list[tuple[tuple[tuple[str, str]], str]] = []  # (metadata, run) of every upload

    def client(i: int) -> None:
        token = chaos_stack.token(f"{i:032x}")
        md = (("authorization", f"Bearer {token}"),)
        files = log_file_pb2_grpc.LogFileServiceStub(chaos_gateway)
        runs = analysis_pb2_grpc.AnalysisServiceStub(chaos_gateway)
        n = 0
        while not stop.is_set():
            n += 1
            data = random_text(32 * 1024, i * 1_000_000 + n)
            log_file = timed("UploadLogFile", lambda d=data: upload(chaos_gateway, token, d, timeout=30))
            if log_file is None:
                continue
            with lock:
                started_runs.append((md, log_file.analysis_run))
            name = log_file.name
            timed(
                "GetLogFile",
                lambda n=name: files.GetLogFile(log_file_pb2.GetLogFileRequest(name=n), metadata=md, timeout=30),
            )
            found = timed(
                "ListAnalysisRuns",
                lambda n=name: runs.ListAnalysisRuns(
                    analysis_pb2.ListAnalysisRunsRequest(parent=n), metadata=md, timeout=30
                ),
            )
            if found is not None and found.analysis_runs:
                run = found.analysis_runs[0].name
                timed(
                    "GetAnalysisRun",
                    lambda r=run: runs.GetAnalysisRun(
                        analysis_pb2.GetAnalysisRunRequest(name=r), metadata=md, timeout=30
                    ),
                )
            timed(
                "ListLogFiles",
                lambda: files.ListLogFiles(log_file_pb2.ListLogFilesRequest(page_size=20), metadata=md, timeout=30),
            )

    pids = {s: chaos_stack.processes[s].pid for s in ("gateway", "ingest", "analysis")}
    pids["worker"] = workers.pid(worker)
    with RssSampler(pids, every_s=1.0) as rss:
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(DURATION_S)
        stop.set()
        for t in threads:
            t.join(60)
    # The uploads queued as many runs as the workers can take in minutes: the suites after this one would wait for
    # them. Cancelled, they leave the queue at once (a cancelled run's message is acked unworked).
    left = cancel_unfinished(chaos_gateway, started_runs)
    half = DURATION_S / 2
    calls = sum(len(v) for v in latencies.values())
    figure(
        f"[7 load] {CLIENTS} clients for {DURATION_S}s: {calls} calls ({calls / DURATION_S:.0f}/s), "
        f"errors={len(errors)}"
    )
    for rpc, values in sorted(latencies.items()):
        figure(f"[7 load]   {rpc}: {latency_summary(values)}")
    growth = {}
    for name in pids:
        first, second = rss.window_mean(name, 0, half), rss.window_mean(name, half, DURATION_S + 1)
        growth[name] = second - first
        figure(
            f"[7 load]   RSS {name}: first half {first:.0f} MiB, second half {second:.0f} MiB, "
            f"growth {second - first:+.0f} MiB"
        )
    figure(f"[7 load]   runs cancelled after the load: {left} of {len(started_runs)}")
    assert not errors, errors[:10]
    assert all(g <= GROWTH_LIMIT_MIB for g in growth.values()), growth


def cancel_unfinished(channel: grpc.Channel, started: list[tuple[tuple[tuple[str, str]], str]]) -> int:
    """Cancels the runs of ``started`` that have not ended; how many were cancelled. A run that ended between the
    listing and the call is refused (FAILED_PRECONDITION) and left as it is."""
    runs = analysis_pb2_grpc.AnalysisServiceStub(channel)
    cancelled = 0
    for md, run in started:
        try:
            runs.CancelAnalysisRun(analysis_pb2.CancelAnalysisRunRequest(name=run), metadata=md, timeout=30)
            cancelled += 1
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:  # type: ignore[attr-defined]
                raise
    return cancelled
