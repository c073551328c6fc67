"""Part 4: SIGTERM with uploads in flight: NOT_SERVING at once; in-flight uploads that finish within the grace
period are stored, the others are aborted cleanly (no row, no object, no open multipart upload)."""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Stack
from tests.chaos.kit import MIB, figure, random_text, rows, s3_client, scale, store_state, wait_until

GRACE_S = 4.0
Request = log_file_pb2.UploadLogFileRequest


def _held(
    meta: log_file_pb2.UploadLogFileMetadata, data: bytes, sent: threading.Event, go: threading.Event
) -> Iterator[Request]:
    """Sends 6 MiB (a part in flight), then the rest once ``go`` is set."""
    yield Request(metadata=meta)
    for start in range(0, len(data), MIB):
        if start == 6 * MIB:
            sent.set()
            go.wait(60)
        yield Request(chunk=data[start : start + MIB])


@pytest.mark.timeout(120)
def test_sigterm_turns_not_serving_at_once_and_drains_in_flight_uploads(chaos_stack: Stack, owner: str) -> None:
    s3 = s3_client(chaos_stack)
    orphans_before = store_state(chaos_stack, s3)[0]  # left by earlier tests, if one failed before its sweep
    addr = f"127.0.0.1:{free_port()}"
    process = chaos_stack.start_service(
        "ingest",
        name="ingest-term",
        LOGLENS_LISTEN_ADDR=addr,
        LOGLENS_METRICS_PORT="0",
        LOGLENS_SHUTDOWN_GRACE_S=str(GRACE_S),
    )
    chaos_stack.wait_serving("ingest-term", addr=addr)
    token = (("authorization", f"Bearer {chaos_stack.token(owner)}"),)
    finishing, stuck = scale(2, 4), scale(2, 4)
    payloads = {f"term-{i}": random_text(9 * MIB, 500 + i) for i in range(finishing + stuck)}
    finish_go, stuck_go = threading.Event(), threading.Event()
    with grpc.insecure_channel(addr) as channel:
        stub = log_file_pb2_grpc.LogFileServiceStub(channel)
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=60)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        calls, sent = {}, []
        for i, (request_id, data) in enumerate(payloads.items()):
            event = threading.Event()
            go = finish_go if i < finishing else stuck_go
            meta = log_file_pb2.UploadLogFileMetadata(
                filename=f"{request_id}.log", request_id=request_id, analyze=False
            )
            calls[request_id] = stub.UploadLogFile.future(_held(meta, data, event, go), metadata=token, timeout=60)
            sent.append(event)
        for event in sent:
            assert event.wait(30)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        status = next(watch).status
        not_serving_after = time.monotonic() - signalled
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
        finish_go.set()  # these complete within the grace period; the stuck ones never send their rest
        outcomes = {}
        for request_id, call in calls.items():
            try:
                outcomes[request_id] = ("OK", call.result(timeout=GRACE_S + 10).log_file.sha256)
            except grpc.RpcError as exc:
                outcomes[request_id] = (exc.code().name, "")  # type: ignore[attr-defined]
        process.wait(GRACE_S + 10)
        exited_after = time.monotonic() - signalled
        stuck_go.set()
    chaos_stack.processes.pop("ingest-term", None)
    ids = list(payloads)
    for request_id in ids[:finishing]:
        assert outcomes[request_id] == ("OK", hashlib.sha256(payloads[request_id]).hexdigest()), outcomes
    for request_id in ids[finishing:]:
        assert outcomes[request_id][0] != "OK", outcomes
    stored = {r[2] for r in rows(chaos_stack, owner)}
    assert stored == set(ids[:finishing]), "only the finished uploads are stored"
    wait_until(
        lambda: (
            (state := store_state(chaos_stack, s3)) and state[0] <= orphans_before and not state[1] and not state[2]
        ),
        15,
        "the aborted uploads to leave nothing",
    )
    assert exited_after < GRACE_S + 3, f"exited {exited_after:.1f}s after SIGTERM (grace {GRACE_S}s)"
    stuck_codes = sorted({outcomes[r][0] for r in ids[finishing:]})
    figure(
        f"[4 graceful shutdown] NOT_SERVING {not_serving_after * 1000:.0f}ms after SIGTERM; "
        f"{finishing} uploads finished in the grace period and were stored; {stuck} stuck uploads ended {stuck_codes} "
        f"and left nothing (orphans=0, open multipart=0); exit {exited_after:.1f}s after SIGTERM (grace {GRACE_S}s)"
    )
