"""Part 9: one client must not exhaust ingest, and every owner stays within their quotas (issue 15, items 3-4).

Upload streams: 200 idle streams (metadata sent, no chunk) cost ingest little memory since part buffers come
with the first chunk; the process's cap refuses the next (UPLOADS_BUSY); an idle stream is aborted after the
idle timeout with nothing left behind (no row, no slot, no open multipart upload), through the gateway too.
Quotas per owner, each over gRPC through a gateway, and one over REST: uploads at once, log files, stored
bytes, runs at once, runs per hour, open Watch streams; concurrent requests cannot both take the last slot;
GetQuotaUsage shows usage and limits. The services here run beside the chaos stack's, with small limits.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc
import psutil
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, log_file_pb2, log_file_pb2_grpc, quota_pb2, quota_pb2_grpc
from loglens_common.errors import error_info
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Stack
from tests.chaos.kit import MIB, db, figure, open_uploads, random_text, s3_client, scale, upload, wait_until

IDLE_STREAMS = 200
IDLE_TIMEOUT_S = scale(4, 6)
# The 200 streams' ingest: long enough to open all 200 and measure before the first is aborted (on a loaded
# machine opening them took over 4 s).
MANY_IDLE_TIMEOUT_S = 15
IDLE_MEMORY_BUDGET_MIB = 64  # what 200 idle streams may add to ingest (each used to hold a 5-6 MiB part buffer)

# The quota stack's limits: small, so that each is reached in a few calls.
Q_UPLOADS, Q_FILES, Q_BYTES = 2, 3, 8 * MIB  # 8 MiB: room for a multipart upload (5 MiB parts)
Q_RUNS, Q_RUNS_PER_HOUR, Q_WATCHES = 2, 3, 2
RACERS = scale(8, 32)  # concurrent uploads at the last free file


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def quota_failure(exc: grpc.RpcError) -> error_details_pb2.QuotaFailure:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None, exc
    for detail in status.details:
        if detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            failure = error_details_pb2.QuotaFailure()
            detail.Unpack(failure)
            return failure
    raise AssertionError(f"no QuotaFailure in {exc}")


def assert_quota(exc: grpc.RpcError, quota_id: str, limit: int, reason: str = "QUOTA_EXCEEDED") -> None:
    assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc  # type: ignore[attr-defined]
    info = error_info(exc)  # type: ignore[arg-type]
    assert info is not None and info.reason == reason and info.metadata["quota"] == quota_id, info
    violation = quota_failure(exc).violations[0]
    assert (violation.quota_id, violation.quota_value) == (quota_id, limit), violation
    assert violation.description, violation


class HeldUpload:
    """An upload stream that sends its metadata (and maybe some bytes), then nothing until released."""

    def __init__(self, stub: log_file_pb2_grpc.LogFileServiceStub, token: str, data: bytes = b"", **meta: object):
        self.release = threading.Event()
        self.sent = threading.Event()
        meta.setdefault("filename", "held.log")
        metadata = log_file_pb2.UploadLogFileMetadata(**meta)  # type: ignore[arg-type]

        def requests() -> Iterator[log_file_pb2.UploadLogFileRequest]:
            yield log_file_pb2.UploadLogFileRequest(metadata=metadata)
            for start in range(0, len(data), MIB):
                yield log_file_pb2.UploadLogFileRequest(chunk=data[start : start + MIB])
            self.sent.set()
            self.release.wait(120)

        self.future = stub.UploadLogFile.future(requests(), metadata=bearer(token), timeout=120)

    def error(self, timeout: float) -> grpc.RpcError:
        try:
            self.future.result(timeout=timeout)
        except grpc.RpcError as exc:
            return exc
        finally:
            self.release.set()
        raise AssertionError("the held upload succeeded")


def slots(stack: Stack, owners: list[str] | None = None) -> int:
    with db(stack) as conn:
        if owners is None:
            return int(conn.execute("SELECT count(*) FROM ingest.upload_slots").fetchone()[0])  # type: ignore[index]
        row = conn.execute("SELECT count(*) FROM ingest.upload_slots WHERE owner = ANY(%s)", (owners,)).fetchone()
        return int(row[0])  # type: ignore[index]


def files_of(stack: Stack, owner: str) -> int:
    with db(stack) as conn:
        return int(conn.execute("SELECT count(*) FROM ingest.log_files WHERE owner = %s", (owner,)).fetchone()[0])  # type: ignore[index]


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


# 200 idle streams -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def idle_ingest(chaos_stack: Stack) -> Iterator[str]:
    """An ingest that takes as many uploads at once as the test opens, with a short idle timeout."""
    addr = f"127.0.0.1:{free_port()}"
    chaos_stack.start_service(
        "ingest",
        name="idle-ingest",
        LOGLENS_LISTEN_ADDR=addr,
        LOGLENS_METRICS_PORT="0",
        LOGLENS_MAX_CONCURRENT_UPLOADS=str(IDLE_STREAMS),
        LOGLENS_UPLOAD_IDLE_TIMEOUT_S=str(MANY_IDLE_TIMEOUT_S),
    )
    try:
        chaos_stack.wait_serving("idle-ingest", addr=addr)
        yield addr
    finally:
        chaos_stack.stop_service("idle-ingest")


@pytest.mark.timeout(180)
def test_two_hundred_idle_streams_cost_little_memory_then_time_out(chaos_stack: Stack, idle_ingest: str) -> None:
    pid = chaos_stack.processes["idle-ingest"].pid
    with grpc.insecure_channel(idle_ingest) as channel:
        stub = log_file_pb2_grpc.LogFileServiceStub(channel)
        warm = chaos_stack.token(uuid.uuid4().hex)
        for seed in range(3):  # the upload path's code and first allocations, so they do not count as growth
            upload(channel, warm, random_text(64 * 1024, seed), analyze=False)
        time.sleep(1)
        before = rss_mib(pid)

        owners = [uuid.uuid4().hex for _ in range(IDLE_STREAMS // 4)]  # 4 each: the default per-owner quota
        held = [HeldUpload(stub, chaos_stack.token(owner), analyze=False) for owner in owners for _ in range(4)]
        wait_until(lambda: slots(chaos_stack, owners) == IDLE_STREAMS, 60, "200 upload slots taken")
        opened = time.monotonic()
        assert not any(h.future.done() for h in held)
        # The process is full: the next upload, anyone's, is refused at once with the limit named.
        extra = HeldUpload(stub, chaos_stack.token(uuid.uuid4().hex), analyze=False)
        busy = extra.error(timeout=10)
        assert_quota(busy, "server_concurrent_uploads", IDLE_STREAMS, reason="UPLOADS_BUSY")
        assert quota_failure(busy).violations[0].subject == "service:ingest"
        time.sleep(1)
        with_idle = rss_mib(pid)
        assert not any(h.future.done() for h in held), "an idle stream ended before the measurement"

        errors = [h.error(timeout=MANY_IDLE_TIMEOUT_S + 30) for h in held]
        aborted_after = time.monotonic() - opened
        codes = {(e.code(), error_info(e).reason) for e in errors}  # type: ignore[attr-defined, union-attr, arg-type]
        assert codes == {(grpc.StatusCode.DEADLINE_EXCEEDED, "UPLOAD_IDLE_TIMEOUT")}, codes
        wait_until(lambda: slots(chaos_stack, owners) == 0, 10, "the idle uploads' slots freed")
        assert all(files_of(chaos_stack, owner) == 0 for owner in owners[:10])
        time.sleep(1)
        after = rss_mib(pid)

        # And a stream that sent one chunk holds a part buffer: what every idle stream used to cost.
        owner = uuid.uuid4().hex
        one_chunk = [HeldUpload(stub, chaos_stack.token(owner), b"x" * 1024, analyze=False) for _ in range(4)]
        for h in one_chunk:
            assert h.sent.wait(10)
        time.sleep(1)
        with_chunks = rss_mib(pid)
        for h in one_chunk:
            h.future.cancel()
            h.release.set()

    figure(
        f"200 idle upload streams: ingest RSS {before:.0f} MiB before, {with_idle:.0f} MiB with all open "
        f"(+{with_idle - before:.1f} MiB, {(with_idle - before) * 1024 / IDLE_STREAMS:.0f} KiB per stream), "
        f"{after:.0f} MiB after the idle timeout aborted them ({aborted_after:.1f} s after the last opened; "
        f"timeout {MANY_IDLE_TIMEOUT_S} s); the 201st refused UPLOADS_BUSY; 4 streams idle after one 1 KiB chunk: "
        f"+{with_chunks - after:.1f} MiB (a part buffer each)"
    )
    assert with_idle - before < IDLE_MEMORY_BUDGET_MIB, (before, with_idle)


# Quotas per owner -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaStack:
    gateway: str
    rest: str
    ingest: str
    analysis: str


@pytest.fixture(scope="module")
def quota_stack(chaos_stack: Stack) -> Iterator[QuotaStack]:
    """An ingest, an analysis API (no workers: runs stay QUEUED) and a gateway with small quotas."""
    ingest, analysis, gateway = (f"127.0.0.1:{free_port()}" for _ in range(3))
    http = free_port()
    started = []
    try:
        chaos_stack.start_service(
            "ingest",
            name="quota-ingest",
            LOGLENS_LISTEN_ADDR=ingest,
            LOGLENS_METRICS_PORT="0",
            LOGLENS_QUOTA_CONCURRENT_UPLOADS=str(Q_UPLOADS),
            LOGLENS_QUOTA_LOG_FILES=str(Q_FILES),
            LOGLENS_QUOTA_STORED_BYTES=str(Q_BYTES),
            LOGLENS_UPLOAD_IDLE_TIMEOUT_S=str(IDLE_TIMEOUT_S),
        )
        started.append("quota-ingest")
        chaos_stack.start_service(
            "analysis",
            name="quota-analysis",
            LOGLENS_LISTEN_ADDR=analysis,
            LOGLENS_METRICS_PORT="0",
            LOGLENS_WORKERS="0",
            LOGLENS_INGEST_ADDR=ingest,
            LOGLENS_QUOTA_CONCURRENT_RUNS=str(Q_RUNS),
            LOGLENS_QUOTA_RUNS_PER_HOUR=str(Q_RUNS_PER_HOUR),
            LOGLENS_QUOTA_WATCH_STREAMS=str(Q_WATCHES),
        )
        started.append("quota-analysis")
        chaos_stack.start_service(
            "gateway",
            name="quota-gateway",
            LOGLENS_LISTEN_ADDR=gateway,
            LOGLENS_METRICS_PORT="0",
            LOGLENS_INGEST_ADDR=ingest,
            LOGLENS_ANALYSIS_ADDR=analysis,
            LOGLENS_HTTP_LISTEN_ADDR=f"127.0.0.1:{http}",
        )
        started.append("quota-gateway")
        for name, addr in (("quota-ingest", ingest), ("quota-analysis", analysis), ("quota-gateway", gateway)):
            chaos_stack.wait_serving(name, addr=addr)
        yield QuotaStack(gateway, f"http://127.0.0.1:{http}", ingest, analysis)
    finally:
        for name in started:
            chaos_stack.stop_service(name)


@dataclass
class Tenant:
    """One owner's calls through the quota stack's gateway."""

    stack: Stack
    channel: grpc.Channel
    owner: str

    @property
    def token(self) -> str:
        return self.stack.token(self.owner)

    @property
    def md(self) -> tuple[tuple[str, str], ...]:
        return bearer(self.token)

    def upload(self, size: int = 1000, seed: int = 0, **meta: object) -> log_file_pb2.LogFile:
        meta.setdefault("analyze", False)
        return upload(self.channel, self.token, random_text(size, seed), timeout=30, **meta)

    def create_run(self, log_file: str) -> analysis_pb2.AnalysisRun:
        stub = analysis_pb2_grpc.AnalysisServiceStub(self.channel)
        reply = stub.CreateAnalysisRun(
            analysis_pb2.CreateAnalysisRunRequest(parent=log_file), metadata=self.md, timeout=30
        )
        return reply.analysis_run

    def cancel(self, run: str) -> None:
        stub = analysis_pb2_grpc.AnalysisServiceStub(self.channel)
        stub.CancelAnalysisRun(analysis_pb2.CancelAnalysisRunRequest(name=run), metadata=self.md, timeout=30)

    def usage(self) -> dict[str, tuple[int, int]]:
        stub = quota_pb2_grpc.QuotaServiceStub(self.channel)
        reply = stub.GetQuotaUsage(quota_pb2.GetQuotaUsageRequest(), metadata=self.md, timeout=10)
        return {q.quota_id: (q.usage, q.limit) for q in reply.quota_usage.quotas}


@pytest.fixture
def tenant(chaos_stack: Stack, quota_stack: QuotaStack) -> Iterator[Tenant]:
    with grpc.insecure_channel(quota_stack.gateway) as channel:
        yield Tenant(chaos_stack, channel, uuid.uuid4().hex)


def refusal(call) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    try:
        call()
    except grpc.RpcError as exc:
        return exc
    raise AssertionError("the call was not refused")


@pytest.mark.timeout(120)
def test_uploads_at_once_per_owner_and_the_idle_timeout_through_the_gateway(chaos_stack: Stack, tenant: Tenant) -> None:
    stub = log_file_pb2_grpc.LogFileServiceStub(tenant.channel)
    # Two uploads held open (one has sent 6 MiB: a multipart upload is open in S3), the third is refused.
    held = [HeldUpload(stub, tenant.token, random_text(6 * MIB, 1)), HeldUpload(stub, tenant.token)]
    assert held[0].sent.wait(30)
    wait_until(lambda: slots(chaos_stack, [tenant.owner]) == Q_UPLOADS, 20, "two upload slots")
    wait_until(lambda: open_uploads(s3_client(chaos_stack)), 20, "the multipart upload open")
    third = refusal(lambda: tenant.upload())
    assert_quota(third, "concurrent_uploads", Q_UPLOADS)
    assert error_info(third).metadata["limit"] == str(Q_UPLOADS)  # type: ignore[arg-type, union-attr]
    assert tenant.usage()["concurrent_uploads"] == (Q_UPLOADS, Q_UPLOADS)

    # Nothing more comes: both are aborted after the idle timeout, and the gateway relays it at once.
    started = time.monotonic()
    errors = [h.error(timeout=IDLE_TIMEOUT_S + 20) for h in held]
    took = time.monotonic() - started
    for exc in errors:
        assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED, exc  # type: ignore[attr-defined]
        assert error_info(exc).reason == "UPLOAD_IDLE_TIMEOUT"  # type: ignore[union-attr, arg-type]
        assert f"{IDLE_TIMEOUT_S} s" in exc.details()  # type: ignore[attr-defined]
    assert took < IDLE_TIMEOUT_S + 5, took
    # Nothing half-written: no row, no slot, no open multipart upload.
    assert files_of(chaos_stack, tenant.owner) == 0
    assert slots(chaos_stack, [tenant.owner]) == 0
    wait_until(lambda: not open_uploads(s3_client(chaos_stack)), 20, "the multipart upload aborted")
    tenant.upload()  # and the slots are free again
    figure(f"idle upload through the gateway: DEADLINE_EXCEEDED UPLOAD_IDLE_TIMEOUT {took:.1f} s into the wait")


@pytest.mark.timeout(60)
def test_an_idle_rest_upload_is_answered_when_it_is_aborted(
    chaos_stack: Stack, tenant: Tenant, quota_stack: QuotaStack
) -> None:
    """Over REST the body stops coming: the bridge answers the abort at once, not at the client's next bytes."""
    host, port = quota_stack.rest.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=IDLE_TIMEOUT_S + 10) as conn:
        conn.sendall(
            f"PUT /v1/logFiles:upload?filename=idle.log HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {tenant.token}\r\nContent-Length: 100000\r\n\r\n".encode()
            + b"2026-11-30 12:00:00 INFO started\n" * 10
        )
        started = time.monotonic()
        raw = conn.recv(65536)
        took = time.monotonic() - started
        while b"}" not in raw.rpartition(b"\r\n\r\n")[2]:  # the JSON body may come in a second segment
            more = conn.recv(65536)
            if not more:
                break
            raw += more
    head = raw.decode()
    assert head.startswith("HTTP/1.1 504"), head
    assert '"UPLOAD_IDLE_TIMEOUT"' in head and "nothing was kept" in head, head
    assert took < IDLE_TIMEOUT_S + 5, took
    assert files_of(chaos_stack, tenant.owner) == 0 and slots(chaos_stack, [tenant.owner]) == 0
    figure(f"idle upload over REST: 504 UPLOAD_IDLE_TIMEOUT {took:.1f} s after the last bytes")


@pytest.mark.timeout(120)
def test_log_files_quota_holds_under_concurrent_uploads(chaos_stack: Stack, tenant: Tenant) -> None:
    for seed in range(Q_FILES - 1):
        tenant.upload(seed=seed)

    def attempt(seed: int) -> str:
        try:
            tenant.upload(seed=100 + seed)
            return "stored"
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc  # type: ignore[attr-defined]
            return error_info(exc).metadata["quota"]  # type: ignore[arg-type, union-attr]

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(attempt, range(RACERS)))
    assert outcomes.count("stored") == 1, outcomes  # one took the last free file; no two did
    assert set(outcomes) <= {"stored", "log_files", "concurrent_uploads"}, outcomes
    assert files_of(chaos_stack, tenant.owner) == Q_FILES
    refused = refusal(lambda: tenant.upload(seed=999))
    assert_quota(refused, "log_files", Q_FILES)
    assert "delete log files" in refused.details()  # type: ignore[attr-defined]
    assert tenant.usage()["log_files"] == (Q_FILES, Q_FILES)
    counts = {o: outcomes.count(o) for o in sorted(set(outcomes))}
    figure(f"log_files quota {Q_FILES}, {RACERS} concurrent uploads at the last free file: {counts}")


@pytest.mark.timeout(120)
def test_stored_bytes_quota_refuses_early_and_keeps_nothing(chaos_stack: Stack, tenant: Tenant) -> None:
    kept = Q_BYTES - 300_000
    tenant.upload(size=kept)
    # Sizes in one chunk: a refusal while the client still writes reaches it as a local INTERNAL (grpc 36066).
    declared = refusal(lambda: tenant.upload(size=400_000, seed=1, declared_size_bytes=400_000))
    assert_quota(declared, "stored_bytes", Q_BYTES)
    streamed = refusal(lambda: tenant.upload(size=400_000, seed=2))  # no size declared: refused as it streams
    assert_quota(streamed, "stored_bytes", Q_BYTES)
    assert "nothing was kept" in streamed.details()  # type: ignore[attr-defined]
    assert files_of(chaos_stack, tenant.owner) == 1
    tenant.upload(size=300_000, seed=3)  # what is left still fits, to the byte
    usage = tenant.usage()
    assert usage["stored_bytes"] == (Q_BYTES, Q_BYTES), usage
    assert refusal(lambda: tenant.upload(size=1, seed=4)).code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    figure(f"stored_bytes quota {Q_BYTES} B, declared and streamed uploads past it refused: {declared.details()}")  # type: ignore[attr-defined]


@pytest.mark.timeout(120)
def test_runs_at_once_and_runs_per_hour(chaos_stack: Stack, tenant: Tenant) -> None:
    files = [tenant.upload(seed=seed).name for seed in range(3)]
    # Concurrent requests for runs of three files: exactly two (the quota) are made.
    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(lambda f: refusal_or(lambda: tenant.create_run(f)), files))
    made = [o for o in outcomes if isinstance(o, analysis_pb2.AnalysisRun)]
    refused = [o for o in outcomes if not isinstance(o, analysis_pb2.AnalysisRun)]
    assert len(made) == Q_RUNS and len(refused) == 1, outcomes
    assert_quota(refused[0], "concurrent_runs", Q_RUNS)
    assert tenant.usage()["concurrent_runs"] == (Q_RUNS, Q_RUNS)

    tenant.cancel(made[0].name)  # a run ends: the next may start
    waiting = next(f for f in files if not any(r.name.startswith(f + "/") for r in made))
    third = tenant.create_run(waiting)
    tenant.cancel(third.name)
    # Three asked for within the hour (the quota): the fourth is refused, with when the next may start.
    per_hour = refusal(lambda: tenant.create_run(files[0]))
    assert_quota(per_hour, "runs_per_hour", Q_RUNS_PER_HOUR)
    info = error_info(per_hour)  # type: ignore[arg-type]
    assert info is not None
    retry = [d for d in rpc_status.from_call(per_hour).details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]  # type: ignore[arg-type, union-attr]
    assert retry, "no RetryInfo"
    usage = tenant.usage()
    assert usage["runs_per_hour"] == (Q_RUNS_PER_HOUR, Q_RUNS_PER_HOUR), usage
    for run in made[1:]:
        tenant.cancel(run.name)
    figure(f"runs: 3 concurrent creates at quota {Q_RUNS} -> {len(made)} made; 4th in the hour: {per_hour.details()}")  # type: ignore[attr-defined]


def refusal_or(call):  # type: ignore[no-untyped-def]
    try:
        return call()
    except grpc.RpcError as exc:
        return exc


@pytest.mark.timeout(120)
def test_watch_streams_per_owner(tenant: Tenant) -> None:
    log_file = tenant.upload(analyze=True)  # its run stays QUEUED: no workers here
    stub = analysis_pb2_grpc.AnalysisServiceStub(tenant.channel)
    request = analysis_pb2.WatchAnalysisRunRequest(name=log_file.analysis_run)
    streams = [stub.WatchAnalysisRun(request, metadata=tenant.md, timeout=60) for _ in range(Q_WATCHES)]
    for stream in streams:
        assert next(stream).analysis_run.state == analysis_pb2.AnalysisRun.STATE_QUEUED
    assert tenant.usage()["watch_streams"] == (Q_WATCHES, Q_WATCHES)
    refused = refusal(lambda: next(stub.WatchAnalysisRun(request, metadata=tenant.md, timeout=10)))
    assert_quota(refused, "watch_streams", Q_WATCHES)
    streams[0].cancel()
    # The closed stream's place is free again, and a cancel reaches the open streams through the one poller.
    wait_until(lambda: tenant.usage()["watch_streams"][0] == Q_WATCHES - 1, 10, "the stream closed")
    extra = stub.WatchAnalysisRun(request, metadata=tenant.md, timeout=60)
    assert next(extra).analysis_run.state == analysis_pb2.AnalysisRun.STATE_QUEUED
    tenant.cancel(log_file.analysis_run)
    for stream in (streams[1], extra):
        assert list(stream)[-1].analysis_run.state == analysis_pb2.AnalysisRun.STATE_CANCELLED
    figure(f"watch_streams quota {Q_WATCHES}: the next refused; {refused.details()}")  # type: ignore[attr-defined]


@pytest.mark.timeout(120)
def test_watch_streams_are_counted_across_analysis_replicas(
    chaos_stack: Stack, tenant: Tenant, quota_stack: QuotaStack
) -> None:
    """Two analysis processes (as two pods): streams on either count against one quota, and a concurrent
    rush at the last slot takes it once."""
    log_file = tenant.upload(analyze=True)  # QUEUED: no workers
    request = analysis_pb2.WatchAnalysisRunRequest(name=log_file.analysis_run)
    addr = f"127.0.0.1:{free_port()}"
    chaos_stack.start_service(
        "analysis",
        name="quota-analysis-2",
        LOGLENS_LISTEN_ADDR=addr,
        LOGLENS_METRICS_PORT="0",
        LOGLENS_WORKERS="0",
        LOGLENS_INGEST_ADDR=quota_stack.ingest,
        LOGLENS_QUOTA_WATCH_STREAMS=str(Q_WATCHES),
    )
    try:
        chaos_stack.wait_serving("quota-analysis-2", addr=addr)
        with grpc.insecure_channel(quota_stack.analysis) as one, grpc.insecure_channel(addr) as two:
            stubs = [analysis_pb2_grpc.AnalysisServiceStub(ch) for ch in (one, two)]
            first = stubs[0].WatchAnalysisRun(request, metadata=tenant.md, timeout=60)
            assert next(first).analysis_run.state == analysis_pb2.AnalysisRun.STATE_QUEUED
            # One slot left (Q_WATCHES = 2): four streams at once, two on each replica; one gets it.
            rush = [stubs[i % 2].WatchAnalysisRun(request, metadata=tenant.md, timeout=60) for i in range(4)]
            outcomes = [refusal_or(lambda s=s: next(s)) for s in rush]
            opened = [o for o in outcomes if isinstance(o, analysis_pb2.WatchAnalysisRunResponse)]
            refused = [o for o in outcomes if not isinstance(o, analysis_pb2.WatchAnalysisRunResponse)]
            assert len(opened) == 1 and len(refused) == 3, outcomes
            for exc in refused:
                assert_quota(exc, "watch_streams", Q_WATCHES)
            assert tenant.usage()["watch_streams"] == (Q_WATCHES, Q_WATCHES)
            for stream in (first, *rush):
                stream.cancel()
            wait_until(lambda: tenant.usage()["watch_streams"][0] == 0, 10, "both replicas' streams closed")
    finally:
        chaos_stack.stop_service("quota-analysis-2")
    tenant.cancel(log_file.analysis_run)
    figure(f"watch_streams across 2 analysis replicas: 1 open + 4 at once for the last slot -> {len(opened)} opened")


@pytest.mark.timeout(120)
def test_quota_usage_and_a_refusal_over_rest(tenant: Tenant, quota_stack: QuotaStack) -> None:
    files = [tenant.upload(seed=seed).name for seed in range(Q_RUNS + 1)]
    headers = {"Authorization": f"Bearer {tenant.token}", "Content-Type": "application/json"}

    def call(method: str, path: str) -> tuple[int, dict[str, str], dict]:  # type: ignore[type-arg]
        request = urllib.request.Request(
            quota_stack.rest + path, method=method, headers=headers, data=b"{}" if method == "POST" else None
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, dict(reply.headers), json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    for f in files[:Q_RUNS]:
        status, _, _ = call("POST", f"/v1/{f}/analysisRuns")
        assert status == 200
    status, reply_headers, body = call("POST", f"/v1/{files[-1]}/analysisRuns")
    assert status == 429, body
    kinds = {d["@type"].rsplit(".", 1)[-1]: d for d in body["details"]}
    assert kinds["ErrorInfo"]["reason"] == "QUOTA_EXCEEDED"
    assert kinds["QuotaFailure"]["violations"][0]["quotaId"] == "concurrent_runs"
    assert int(kinds["QuotaFailure"]["violations"][0]["quotaValue"]) == Q_RUNS
    assert "Retry-After" in reply_headers

    status, _, usage = call("GET", "/v1/quotaUsage")
    assert status == 200, usage
    by_id = {q["quotaId"]: q for q in usage["quotaUsage"]["quotas"]}
    assert set(by_id) == {
        "stored_bytes",
        "log_files",
        "concurrent_uploads",
        "concurrent_runs",
        "runs_per_hour",
        "watch_streams",
    }
    assert (int(by_id["log_files"]["usage"]), int(by_id["log_files"]["limit"])) == (Q_RUNS + 1, Q_FILES)
    assert (int(by_id["concurrent_runs"]["usage"]), int(by_id["concurrent_runs"]["limit"])) == (Q_RUNS, Q_RUNS)
    assert by_id["stored_bytes"]["unit"] == "bytes"
    for f in files:
        for run in (
            analysis_pb2_grpc.AnalysisServiceStub(tenant.channel)
            .ListAnalysisRuns(analysis_pb2.ListAnalysisRunsRequest(parent=f), metadata=tenant.md, timeout=10)
            .analysis_runs
        ):
            if run.state == analysis_pb2.AnalysisRun.STATE_QUEUED:
                tenant.cancel(run.name)
    figure(f"REST: POST analysisRuns past concurrent_runs -> 429, Retry-After {reply_headers.get('Retry-After')}")
